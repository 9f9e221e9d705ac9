# CPD delivery: programmes' costs (the rest of delivery's messages are in en.ftl).

costs-title = Costs
costs-year = Year
costs-spent-on = Spent on
costs-total = Total
costs-participants = Participants reached
costs-per-participant = Cost per participant
costs-rule = Participants reached in the year: those enrolled in a cohort of the programme running at some time in the year. Where you read part of the country, the programme's costs are apportioned to it in proportion to its participants reached there.
costs-none = No cost is recorded for this programme.
costs-import = Import costs
cost-category-training = Training
cost-category-travel = Travel
cost-category-materials = Materials
cost-category-coaching = Coaching
cost-category-other = Other
kind-costs = Programme costs
problem-bad-amount = { $value } is not an amount: digits, with a . or a , before at most two decimals, and no separator between thousands
problem-cost-currency = { $value } is not the currency of the costs recorded: every cost is kept in { $currency }
problem-cost-year-outside-programme = { $value } is outside the programme's years ({ $start } to { $end })
