DROP TABLE campaign_contacts;
DROP TABLE campaigns;
