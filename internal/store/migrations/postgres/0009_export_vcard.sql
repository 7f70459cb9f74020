-- Exports in vCard 4.0: export requests may ask for format vcf.
ALTER TABLE export_requests DROP CONSTRAINT IF EXISTS export_requests_format_check;
ALTER TABLE export_requests ADD CONSTRAINT export_requests_format_check CHECK (format IN ('csv', 'xlsx', 'vcf'));
