"""The task: a GRU that adds binary numbers, LSB first (data, the adder, training, weights)."""
