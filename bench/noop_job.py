"""The job of the notifications benchmark's baseline: it does nothing, and importing it costs
nothing (bare RQ workers import it in each work-horse)."""


def noop() -> None:
    """Does nothing."""
