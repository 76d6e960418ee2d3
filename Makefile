# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
# nbgrader calls `alembic`, and kernels resolve `python3`, from PATH: this environment's come first.
export PATH := $(abspath $(VENV))/bin:$(PATH)

# Where the banknote data comes from: the shared verified copy when it sits beside the checkout,
# otherwise the real download (cache, then URL, checked against the sha256).
SHARED_BANKNOTE := $(wildcard ../shared/data/banknote/data_banknote_authentication.txt)
ifneq ($(SHARED_BANKNOTE),)
export BANKNOTE_DATA_DIR ?= $(abspath ../shared/data/banknote)
endif

.PHONY: demo test test-fast bench bench-ref release notebooks venv sandbox browser clean-grading

venv: $(STAMP)

# bubblewrap, the kernel sandbox, installed where this machine allows it (root with apt-get); elsewhere
# `grade` refuses to run, the demo says so in a banner, and the tests about isolation are skipped
sandbox:
	@tools/system-packages.sh bubblewrap

# Debian's Chromium for the browser tests (never a downloaded browser); skipped, with the reason, without it
browser:
	@tools/system-packages.sh chromium

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP) sandbox
	$(PY) -m autograder demo

# One pass over TEST_WORKERS pytest-xdist workers (more than the cores: the classes' kernels often wait, on a
# time limit, a sleep or another class), a test file per worker at a time (module fixtures grade a class once):
# the files that grade classes start first (conftest.py) and the quick in-process files fill the cores while
# kernels wait. The tests of a machine too busy for the time limits (marked starving) cap their own processes to a
# tenth of a CPU (e2e.starving), which takes nothing from the others, so they run among them.
TEST_WORKERS ?= 3
test: $(STAMP) sandbox browser
	$(PY) -m pytest grader_tests -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

# the suite without the tests marked slow (whole-class grading runs)
test-fast: $(STAMP) sandbox
	$(PY) -m pytest grader_tests -m "not slow" -n auto

# time grading a synthetic class: nbgrader's serial loop, the parallel runner, bare execution
bench: $(STAMP) sandbox
	$(PY) -m autograder bench

bench-ref: $(STAMP)
	$(PY) bench/bench_reference.py

# regenerate release/ from source/ (commit the result)
release: $(STAMP)
	$(PY) -m autograder release

# rebuild the source notebooks from their scripts (then `make release`)
notebooks: $(STAMP)
	cd tools && for f in build_*.py; do ../$(PY) $$f || exit 1; done

clean-grading:
	rm -rf submitted autograded feedback gradebook.db reports grades.csv .autograder
