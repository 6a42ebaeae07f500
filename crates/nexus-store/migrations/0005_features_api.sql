-- Feature queries: a datetime filter must not fail on a malformed date in someone's data.
CREATE FUNCTION nexus_try_timestamptz(t text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN t::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
