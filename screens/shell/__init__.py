"""Sign-in, the lock screen and the main menu."""
