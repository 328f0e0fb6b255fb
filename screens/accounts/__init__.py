"""Finding an account, the account inquiry, contacts and the letter-keyed account actions."""
