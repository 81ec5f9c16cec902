// Settings' vocabulary (ConfigurationError, durations, SettingsReader) is part of the runtime's
// API: a context reads its own settings the way the runtime reads the fleet's.
@_exported import Settings
