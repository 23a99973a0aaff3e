# The paper itself: every named value of RESULTS -> one LaTeX macro (rule macros), the text's
# qualitative claims checked on those values (claims), the appendix list of the values the prose
# calls (numbers_table), the PDF (paper) and the arXiv bundle (arxiv).
# Included last: it reads RESULTS, FIGURES and TABLES as every section's rules file left them.

PAPER_SOURCES = sorted(glob.glob("paper/*.tex") + glob.glob("paper/sections/*.tex")) + [
    "paper/references.bib",
    "paper/latexmkrc",
]


rule macros:
    input:
        results=RESULTS,
        library=LIBRARY,
    output:
        macros="paper/generated/numbers.tex",
    params:
        repository_url=config["repository_url"],
        max_overfull_pt=MAX_OVERFULL_PT,
    log:
        log_of("macros"),
    benchmark:
        benchmark_of("macros")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/macros.py"


# Every qualitative claim of the text (\claim{<id>} after the sentence) against its condition in
# paper/claims.yaml, on the unrounded values: a false one fails the build or is marked in the PDF
# (config false_claims).
rule claims:
    input:
        results=RESULTS,
        claims="paper/claims.yaml",
        library=LIBRARY,
    output:
        tex="paper/generated/claims.tex",
    params:
        false_claims=config["false_claims"],
    log:
        log_of("claims"),
    benchmark:
        benchmark_of("claims")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/claims.py"


# The appendix table lists the values the hand-written text calls, so it follows the prose.
rule numbers_table:
    input:
        results=RESULTS,
        tex=[p for p in PAPER_SOURCES if p.endswith(".tex")],
        library=LIBRARY,
    output:
        table="paper/generated/numbers_table.tex",
    log:
        log_of("numbers_table"),
    benchmark:
        benchmark_of("numbers_table")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/numbers_table.py"


rule paper:
    input:
        PAPER_SOURCES,
        rules.macros.output,
        rules.claims.output,
        rules.numbers_table.output,
        expand("paper/generated/table_{table}.tex", table=TABLES),
        expand("figures/{fig}.pdf", fig=FIGURES),
        library=LIBRARY,
    output:
        pdf="paper/paper.pdf",
        bbl="paper/build/paper.bbl",
    params:
        source_date_epoch=SOURCE_DATE_EPOCH,
        max_overfull_pt=MAX_OVERFULL_PT,
    log:
        log_of("paper"),
    benchmark:
        benchmark_of("paper")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../src/scripts/paper.py"


rule arxiv:
    input:
        tex=[p for p in PAPER_SOURCES if p.endswith(".tex")],
        generated=[*rules.macros.output, *rules.claims.output, *rules.numbers_table.output, *expand("paper/generated/table_{table}.tex", table=TABLES)],
        figures=expand("figures/{fig}.pdf", fig=FIGURES),
        bbl=rules.paper.output.bbl,
        library=LIBRARY,
    output:
        "dist/arxiv-source.tar.gz",
    params:
        mtime=SOURCE_DATE_EPOCH,
    log:
        log_of("arxiv"),
    benchmark:
        benchmark_of("arxiv")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/arxiv.py"
