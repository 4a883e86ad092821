"""File I/O shared by ``train``, ``lab`` and ``netopt.save``: atomic writes, strict JSON and
the checkpoint container.

Private to netopt; besides the standard library and NumPy it needs only autograd's Tensor
(tensors in JSON and in containers).
"""
