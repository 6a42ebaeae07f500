-- Datetime filters: text without an offset (dates, local date-times) is read as UTC whatever
-- the session's TimeZone, so an answer does not depend on where the server runs; the function
-- is STABLE, since its SET clause makes it depend on configuration.
CREATE OR REPLACE FUNCTION nexus_try_timestamptz(t text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE SET TimeZone = 'UTC' AS $$
BEGIN
    RETURN t::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
