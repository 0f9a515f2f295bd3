"""Builders for the blended-training tests: sessions, and learners who did the online part."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlmodel import select

from webapp import db
from webapp.models import (
    Attempt,
    Group,
    ModuleProgress,
    SessionGroup,
    TrainingSession,
    User,
    utcnow,
)


def make_session(app: Flask, trainer: User, *, starts_in: timedelta = timedelta(minutes=-10),
                 hours: float = 4, enrol: bool = True, **overrides: Any) -> TrainingSession:
    """A session of the mini course's topic, by default running now, the group enrolled."""
    with app.app_context():
        database = db.session()
        starts = utcnow() + starts_in
        fields: dict[str, Any] = {
            "topic_id": "osnovi", "title": "Основи – Смолян", "municipality": "Смолян",
            "venue": "Заседателна зала", "starts_at": starts,
            "ends_at": starts + timedelta(hours=hours), "trainer_id": trainer.id,
            "capacity": 25, "checkin_code": "KX7P2M"}
        fields.update(overrides)
        found = TrainingSession(**fields)
        database.add(found)
        database.commit()
        if enrol:
            group = database.exec(select(Group)).first()
            assert group is not None
            database.add(SessionGroup(session_id=found.id, group_id=group.id))
            database.commit()
        return found


def study_everything(app: Flask, user: User, final_passed: bool = True) -> None:
    """The learner studied both modules and took the final test (passed unless told)."""
    with app.app_context():
        database = db.session()
        now = utcnow()
        for module_id in ("obshtinata", "savetat"):
            database.add(ModuleProgress(user_id=user.id, module_id=module_id, topic_id="osnovi",
                                        studied_at=now, studied_version="v"))
        database.add(Attempt(user_id=user.id, quiz_id="osnovi-final", quiz_version="v",
                             topic_id="osnovi", kind="final", seed="s", pass_mark=50,
                             questions=[], state="submitted", submitted_at=now,
                             percent=90 if final_passed else 20, passed=final_passed))
        database.commit()
