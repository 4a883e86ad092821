"""The lab's experiments, one module per section of the chapter ("网络优化").

Each module registers itself with :func:`netopt.lab.core.experiment` when imported; see
:data:`netopt.lab.registry.EXPERIMENT_MODULES` for the list, in chapter order.
"""
