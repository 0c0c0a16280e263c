"""`python -m langchain_gpt52.testing`: the emulator command line (`langchain_gpt52.emulator`)."""

import sys

from langchain_gpt52.emulator.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
