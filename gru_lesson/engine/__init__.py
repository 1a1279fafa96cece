"""The engine: the book. The GRU's maths in NumPy, and nothing about adding numbers.

Read gru.py first (one step forward and back, one equation a line); fast.py is the same maths
arranged for speed, which gl.forward / gl.backward run. Nothing here imports from
gru_lesson.addition or gru_lesson.teach.
"""
