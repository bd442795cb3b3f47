"""An explicit optional dependency: the handler re-raises with advice (a warning, not an error)."""


def configure_logfire() -> None:
    try:
        import logfire
    except ImportError as exc:
        raise ImportError("pip install logfire to send traces to Logfire") from exc
    logfire.configure()
