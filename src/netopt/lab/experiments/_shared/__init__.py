"""Building blocks shared by several of the lab's experiments (private)."""
