import sys

from vnet2vnet.cli import main

sys.exit(main())
