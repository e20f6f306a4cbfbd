DELETE FROM programme_settings WHERE name = 'offers';
ALTER TABLE programme_settings DROP CONSTRAINT programme_settings_name_check;
ALTER TABLE programme_settings ADD CONSTRAINT programme_settings_name_check
    CHECK (name IN ('rfm', 'campaigns', 'clienteling'));
DROP TABLE coupon_uses;
DROP TABLE coupon_codes;
DROP TABLE coupons;
