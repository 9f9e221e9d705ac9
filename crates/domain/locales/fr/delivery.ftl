# Formation continue : coûts des programmes (les autres messages de la formation sont dans fr.ftl).

costs-title = Coûts
costs-year = Année
costs-spent-on = Dépensé pour
costs-total = Total
costs-participants = Participants atteints
costs-per-participant = Coût par participant
costs-rule = Participants atteints dans l'année : les personnes inscrites à une cohorte du programme se déroulant à un moment de l'année. Là où vous lisez une partie du pays, les coûts du programme lui sont attribués au prorata de ses participants qui y ont été atteints.
costs-none = Aucun coût n'est enregistré pour ce programme.
costs-import = Importer des coûts
cost-category-training = Formation
cost-category-travel = Déplacements
cost-category-materials = Matériel
cost-category-coaching = Accompagnement
cost-category-other = Autre
kind-costs = Coûts des programmes
problem-bad-amount = { $value } n'est pas un montant : des chiffres, avec un . ou une , avant deux décimales au plus, et sans séparateur de milliers
problem-cost-currency = { $value } n'est pas la devise des coûts enregistrés : tous les coûts sont tenus en { $currency }
problem-cost-year-outside-programme = { $value } est en dehors des années du programme (de { $start } à { $end })
