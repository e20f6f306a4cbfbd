DROP TABLE programme_settings;
