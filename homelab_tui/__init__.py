"""homelab-tui: a Textual dashboard for a K3s home-lab."""

__version__ = "0.1.0"
