DROP TABLE IF EXISTS instrument_brackets;
DROP TABLE IF EXISTS instrument_specs;
