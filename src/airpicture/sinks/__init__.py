"""Outputs of the air picture and its alerts: files, HTTP webhooks, TAK (Cursor-on-Target), the
history store and the web console. Network sinks never stall the tracker (sinks/queue.py)."""
