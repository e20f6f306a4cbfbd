DROP TABLE segment_settings;
