"""Scale-out: batch reprocessing in time chunks, and the live picture in partitions, on Ray."""
