"""The national SAS (Service d'Accès aux Soins) searches the CPTS's SNP slots through FHIR.

`GET /fhir/sas/Slot` as the ANS guide `ans.fhir.fr.sas` 1.2.0 specifies it (docs/sas.md):
`schemas` reads the search parameters, `search` reads the slots, `bundle` builds the FHIR
resources, `invariants` checks the answer against the guide's rules, `views` is the HTTP edge.
"""
