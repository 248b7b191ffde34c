-- 0011_register_speed.sql — indexes that keep the people list's work
-- bounded by its page (and the capped count, person_store.c), not by the
-- number of people in the region.

-- The list filtered by preferred channel: counted and read along the
-- channel's people in name order, not across the whole region.
CREATE INDEX person_region_channel_sort ON person (region_id, preferred_channel, sort_name, id);
-- Sorted by e-mail address: the people with one in the order of the list
-- (address, id; with the index of 0009, which lacks the id, PostgreSQL read
-- every row up to the page from the table and sorted equal addresses), then
-- those without, by name.
CREATE INDEX person_region_email_id ON person (region_id, email, id) WHERE email <> '';
DROP INDEX person_region_email;
CREATE INDEX person_region_noemail_sort ON person (region_id, sort_name, id) WHERE email = '';
-- "Consent to publish the name given" (or not): the region's answers of
-- that kind, grouped by person in the index's order, instead of a pass over
-- every consent.
CREATE INDEX person_consent_region_kind ON person_consent (region_id, kind, person_id, id, given);
