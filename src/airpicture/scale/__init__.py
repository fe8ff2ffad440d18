"""airpicture beyond one machine: the batch (time chunks) and the live (region partitions) paths on Ray."""
