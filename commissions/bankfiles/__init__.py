"""Bank payout files of an approved batch: NACHA (USD), SEPA pain.001.001.03 (EUR), PayPal CSV.

`selectors.payees` decides who is in which file (payable partners whose payout details
pass the checks for the batch's currency); each writer turns that list into one file.
"""
