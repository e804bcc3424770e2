"""Sending a message to one Apprise URL, with an idempotency key where the channel can carry one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from .messages import Message
from .subscriptions import asset

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_FIELD = "idempotency_key"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """Whether the channel accepted the message; why not, in one line, when it did not."""

    ok: bool
    error: str | None = None


class Notifier(Protocol):
    """Sends one message to one channel URL."""

    def send(self, url: str, message: Message, *, idempotency_key: str | None = None) -> SendOutcome: ...


def _webhook_types() -> tuple[type[Any], ...]:
    """Apprise's json:// and form:// plugins (Apprise is imported only when a channel is used)."""
    from apprise.plugins.custom_form import NotifyForm
    from apprise.plugins.custom_json import NotifyJSON

    return NotifyJSON, NotifyForm


def supports_idempotency(url: str) -> bool:
    """Whether the channel carries our idempotency key (json:// and form:// webhooks)."""
    import apprise

    return isinstance(apprise.Apprise.instantiate(url, asset=asset()), _webhook_types())


class AppriseNotifier:
    """Sends through Apprise; json:// and form:// webhooks get an ``Idempotency-Key`` header and field.

    A receiver that keeps the keys it has seen drops the rare second copy that a crash between
    sending and recording the delivery causes.
    """

    def send(self, url: str, message: Message, *, idempotency_key: str | None = None) -> SendOutcome:
        import apprise

        plugin = apprise.Apprise.instantiate(url, asset=asset())
        if plugin is None:
            return SendOutcome(False, "not a usable Apprise URL")
        if idempotency_key and isinstance(plugin, _webhook_types()):
            plugin.headers[IDEMPOTENCY_HEADER] = idempotency_key
            plugin.payload_extras[IDEMPOTENCY_FIELD] = idempotency_key
        notifier = apprise.Apprise(asset=asset())
        notifier.add(plugin)
        with apprise.LogCapture(level=logging.WARNING) as captured:
            result = notifier.notify(
                title=message.title, body=message.body, body_format=apprise.NotifyFormat.TEXT
            )
        if result:
            return SendOutcome(True)
        lines = [line for line in captured.getvalue().splitlines() if line.strip()]
        reason = lines[-1].split(" - ", 2)[-1] if lines else "the channel refused the message"
        return SendOutcome(False, reason[:500])
