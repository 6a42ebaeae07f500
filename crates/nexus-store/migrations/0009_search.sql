-- Search by name: what people type is compared with names word by word, without case or
-- accents ("hoa xuan" finds "Hòa Xuân"), in any script.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- A name as searchable words: lower case, accents off, anything but letters and digits a
-- single space, with a space at each end (so ' ping' finds a word that starts with "ping").
CREATE FUNCTION nexus_words(t text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT ' ' || btrim(regexp_replace(lower(unaccent(coalesce(t, ''))), '[^[:alnum:]]+', ' ', 'g')) || ' ' $$;
