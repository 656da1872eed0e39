"""Exports for other tools: tidy CSV tables and OpenSim/OpenSense orientation files."""
