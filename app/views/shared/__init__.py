"""What every screen uses, the desk's and the field's alike: the session's state, the theme,
widgets and words, the header and the sync bar."""
