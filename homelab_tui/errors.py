"""Errors that reach the user as one clear line, each with a documented exit code.

Exit codes (documented in the README and in ``homelab-tui --help``):

* 0  success
* 1  runtime failure of a subcommand (e.g. the demo servers could not start)
* 2  bad command line (unknown flag, bad value) — argparse's own convention, and :class:`UsageError`
* 3  bad configuration: config file unreadable/invalid, kubeconfig invalid, unknown context (a bad LiteLLM key makes only inference UNKNOWN)
* 4, 5, 6  ``gpu-mode`` only (:mod:`homelab_tui.cli_gpu`)
* 130 interrupted (Ctrl-C)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_INTERRUPTED = 130


class HomelabError(Exception):
    """An error with a one-line message meant for the user."""

    exit_code = EXIT_FAILURE


class UsageError(HomelabError):
    """A command-line value that cannot be used (found out after parsing, e.g. a demo-server --workdir)."""

    exit_code = EXIT_USAGE


class ConfigError(HomelabError):
    """The config file, kubeconfig or a flag value is unusable."""

    exit_code = EXIT_CONFIG


#: set to see where a bug happened (a traceback without local variables) instead of one line
DEBUG_VARIABLE = "HOMELAB_TUI_DEBUG"


def crash_line(error: BaseException) -> str:
    """The one line a bug ends with: its type only, never its text, which may hold data from a server."""
    return f"homelab-tui: internal error ({type(error).__name__}); set {DEBUG_VARIABLE}=1 to see where"
