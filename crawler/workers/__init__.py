"""Work kept off the reactor: the page-work process pool and the archive's batch writer."""
