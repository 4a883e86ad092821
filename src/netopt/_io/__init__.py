"""File I/O shared by ``train`` and ``lab``: atomic writes and strict JSON.

Private to netopt; it depends on nothing but the standard library and NumPy.
"""
