"""Projects: screenplays produced as persisted, resumable jobs."""
