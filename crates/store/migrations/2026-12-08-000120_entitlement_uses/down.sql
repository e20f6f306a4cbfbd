DROP TABLE entitlement_uses;
