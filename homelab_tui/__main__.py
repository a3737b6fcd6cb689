from homelab_tui.cli import run

run()
