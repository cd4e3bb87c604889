-- SQLite's scalar max/min and its group_concat, so that the statements herald runs on both
-- backends are written once (see src/store/mod.rs).
CREATE FUNCTION max(bigint, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT GREATEST($1, $2)';
CREATE FUNCTION min(bigint, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT LEAST($1, $2)';
CREATE FUNCTION group_concat_step(joined text, value text, separator text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT CASE WHEN value IS NULL THEN joined WHEN joined IS NULL THEN value
                    ELSE joined || separator || value END';
CREATE AGGREGATE group_concat(text, text) (SFUNC = group_concat_step, STYPE = text);
