"""Bills and their lines, meter reads and exceptions, adjustments, the rate calculator."""
