from homelab_tui.cli import main

raise SystemExit(main())
