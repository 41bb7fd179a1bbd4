"""esp-smart-meter: build the board, run the application (everything else is in lib/)."""

from emeter.app import run
from emeter.boards.circuitpython import Board

run(Board())
