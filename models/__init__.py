"""Peewee tables of ubtui.  No behaviour beyond small helpers; no Textual."""
from .autopay import AutopayBatch, AutopayEnrollment
from .base import BaseModel, CentsField, database, utcnow
from .billing import Bill, BillLine, BillRun, RateSchedule
from .cashier import Deposit, Drawer, DrawerMovement, DrawerSession, Payment, Tender
from .collections import CollectionHold, CollectionNotice, PaymentPlan, PlanInstalment
from .customers import Account, AccountCustomer, Customer, Email, Phone, Premise
from .ledger import CategorySum, LedgerEntry, Posting
from .meters import Meter, MeterReading
from .security import AuditLog, StaffKey, User
from .service import AdjustmentProposal, ContactLog, ServiceDeposit, WorkOrder

# Creation order (foreign keys point backwards in this list).
ALL_MODELS = [
    User, AuditLog, Customer, Phone, Email, Premise, Account, AccountCustomer, Meter,
    MeterReading, RateSchedule, BillRun, Bill, BillLine, Posting, LedgerEntry, CategorySum, Drawer,
    DrawerSession, Payment, Tender, DrawerMovement, Deposit, WorkOrder, ServiceDeposit, ContactLog,
    AutopayEnrollment, AutopayBatch, CollectionNotice, PaymentPlan, PlanInstalment, CollectionHold, StaffKey,
    AdjustmentProposal,
]

# Tables whose rows are never updated or deleted; the migrations add triggers that refuse it.
APPEND_ONLY = [AuditLog, Posting, LedgerEntry]

__all__ = [m.__name__ for m in ALL_MODELS] + [
    "ALL_MODELS", "APPEND_ONLY", "BaseModel", "CentsField", "database", "utcnow"]
