"""Object-store back-ends, one module each; ``archive.storage`` holds the contract and the factory."""
