"""What every case type shares: the state-machine declaration, columns, history, references."""
