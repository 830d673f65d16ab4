from cvirisk.cli import main

raise SystemExit(main())
