DROP TABLE points_offers;
