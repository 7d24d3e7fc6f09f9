"""Discussion of findings: threaded comments, flags, moderation and its audit log."""
