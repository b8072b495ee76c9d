def test_cast_builds(cast):
    assert cast.firm_a1.tenant == cast.tenant_a
