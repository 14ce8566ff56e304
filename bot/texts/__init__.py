"""Everything a Discord user reads, in Spanish (es-CO), kept in one package so the tone stays
consistent. One module per area; code never builds user-facing sentences inline."""
