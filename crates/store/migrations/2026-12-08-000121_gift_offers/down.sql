DROP TABLE order_gifts;
DROP TABLE gift_offers;
