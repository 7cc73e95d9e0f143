DROP TABLE IF EXISTS dataset_seeds;
DROP TABLE IF EXISTS funding_rates;
DROP TABLE IF EXISTS mark_candles;
DROP TABLE IF EXISTS candles;
