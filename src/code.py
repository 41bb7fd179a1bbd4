"""esp-smart-meter: build the board, run the application (everything else is in lib/)."""

from emeter.app import run
from emeter.board_circuitpython import Board

run(Board())
